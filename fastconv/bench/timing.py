"""How contenders are timed on a shared, noisy machine.

- Each contender is warmed up first (by the runner, which keeps that result
  for the correctness check); its warm-up time sets how many calls make one
  sample (so that a sample lasts at least `min_sample_seconds`) and how many
  samples it gets (enough to fill `budget_seconds`, within
  [`min_samples`, `max_samples`]; fewer for calls of seconds).
- Samples are then taken in rounds, one sample per contender per round, the
  order reversed every other round: fastconv and its anchors alternate, so a
  burst of load from another process hits them alike.
- The reported time is the median per call; the spread (max - min) / median
  of the samples is reported with it.
- Each sample also records its CPU share: the process's CPU time over the
  wall time.  A single-threaded call that had a core to itself shows about
  1.0; one that shared its core with another process, less (that is how the
  report tells how contended the machine was).
"""
import math
import statistics
import time
from dataclasses import dataclass, field


@dataclass(frozen=True)
class Plan:
    """Sampling parameters."""

    budget_seconds: float = 0.5
    min_samples: int = 3
    max_samples: int = 15
    min_sample_seconds: float = 2e-3
    long_call_seconds: float = 2.0     # calls this long: 2 samples
    very_long_call_seconds: float = 8.0  # calls this long: 1 sample

    def samples_for(self, seconds_per_call):
        """How many samples a contender whose call takes `seconds_per_call` gets."""
        if seconds_per_call >= self.very_long_call_seconds:
            return 1
        if seconds_per_call >= self.long_call_seconds:
            return 2
        wanted = math.ceil(self.budget_seconds / max(seconds_per_call, 1e-9))
        return max(self.min_samples, min(self.max_samples, wanted))

    def calls_per_sample(self, seconds_per_call):
        """Calls batched into one sample, so that a sample is not shorter
        than `min_sample_seconds` (the timer's resolution is then irrelevant)."""
        if seconds_per_call >= self.min_sample_seconds:
            return 1
        return math.ceil(self.min_sample_seconds / max(seconds_per_call, 1e-9))


#: The plans of the full grid and of --quick.
FULL = Plan()
QUICK = Plan(budget_seconds=0.03, min_samples=3, max_samples=5, min_sample_seconds=1e-3,
             long_call_seconds=0.5, very_long_call_seconds=2.0)


@dataclass
class Timing:
    """The samples of one contender on one case (seconds per call)."""

    samples: list = field(default_factory=list)
    calls_per_sample: int = 1
    warmup_seconds: float = float("nan")
    cpu_shares: list = field(default_factory=list)

    @property
    def median(self):
        return statistics.median(self.samples)

    @property
    def spread(self):
        """(max - min) / median of the samples (0 with one sample)."""
        if len(self.samples) < 2:
            return 0.0
        return (max(self.samples) - min(self.samples)) / self.median

    def as_dict(self):
        return {"median_s": self.median, "min_s": min(self.samples), "max_s": max(self.samples),
                "spread": self.spread, "n_samples": len(self.samples),
                "calls_per_sample": self.calls_per_sample, "warmup_s": self.warmup_seconds,
                "samples_s": list(self.samples), "cpu_shares": list(self.cpu_shares)}


def time_call(call, clock=time.perf_counter):
    """(seconds, result) of one call."""
    start = clock()
    result = call()
    return clock() - start, result


def _one_sample(call, number, clock):
    """(seconds per call, CPU share) of `number` calls."""
    cpu_start, start = time.process_time(), clock()
    for _ in range(number):
        call()
    wall, cpu = clock() - start, time.process_time() - cpu_start
    return wall / number, (cpu / wall if wall > 0 else float("nan"))


def time_alternating(calls, warmup_seconds, plan=FULL, clock=time.perf_counter, on_sample=None):
    """Time already warmed-up calls in alternating rounds.

    Parameters
    ----------
    calls : dict of str -> callable
        The zero-argument calls, by contender name, in table order.
    warmup_seconds : dict of str -> float
        Each call's warm-up time (sets its batching and sample count).
    plan : Plan
    clock : callable
        Seconds, monotonic (tests pass a fake).
    on_sample : callable, optional
        Called with no argument after every sample (progress display).

    Returns
    -------
    dict of str -> Timing
    """
    timings = {}
    wanted = {}
    for name in calls:
        first = warmup_seconds[name]
        number = plan.calls_per_sample(first)
        if number > 1 or first < 0.1:
            # the first call of a fast function is often slow (page faults,
            # lazy initialisation): calibrate the batch on a second call
            first = min(first, _one_sample(calls[name], 1, clock)[0])
            number = plan.calls_per_sample(first)
        timings[name] = Timing(calls_per_sample=number, warmup_seconds=warmup_seconds[name])
        wanted[name] = plan.samples_for(first)
    order = list(calls)
    round_index = 0
    while any(len(timings[n].samples) < wanted[n] for n in order):
        for name in (order if round_index % 2 == 0 else order[::-1]):
            if len(timings[name].samples) < wanted[name]:
                seconds, share = _one_sample(calls[name], timings[name].calls_per_sample, clock)
                timings[name].samples.append(seconds)
                timings[name].cpu_shares.append(share)
                if on_sample is not None:
                    on_sample()
        round_index += 1
    return timings


def gflops(flops, seconds):
    """Rate in GFLOP/s."""
    return flops / seconds / 1e9
