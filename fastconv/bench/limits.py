"""Which calls are too long to run: a contender whose call would take more
than the time limit (20 s by default) on a case is skipped with a note.

The prediction scales a timed call of the same contender on the case's
`scaled_down()` version (about 1/16 of the work) by the ratio of the flop
counts.  That probe is only run when the case could exceed the limit at all,
i.e. when it would take longer than the limit at `FLOOR_RATE`, a rate below
every contender measured on this machine (torch's float64 2-D convolution,
the slowest, runs at 0.05 GFLOP/s).
"""
from fastconv.bench.timing import time_call

DEFAULT_LIMIT_SECONDS = 20.0
FLOOR_RATE = 0.02e9   # flop/s


def could_exceed(case, limit_seconds):
    """True when `case` might take longer than the limit for some contender."""
    return case.flops / FLOOR_RATE > limit_seconds


def predict_seconds(contender, case):
    """Predicted seconds per call of `contender` on `case`, from a timed call on
    the scaled-down case (the better of two calls if the first is short).

    Returns
    -------
    seconds : float
    note : str
        How the prediction was made, for the skip note.
    """
    small = case.scaled_down()
    call = contender.prepare(small, small.make_inputs())
    seconds, _ = time_call(call)
    if seconds < 0.5:
        seconds = min(seconds, time_call(call)[0])
    rate = small.flops / seconds
    predicted = case.flops / rate
    return predicted, f"predicted {predicted:.0f} s per call from {rate / 1e9:.2f} GFLOP/s on {small.name}"
