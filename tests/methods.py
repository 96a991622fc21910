"""The methods each op accepts, asked of fastconv itself: the names listed
by the ValueError an unknown method gets (the one place that knows them), so
that a method added later ('fft', 'winograd', ...) is tested by every test
that loops over methods, without editing the tests."""
import functools
import re

import numpy as np

import fastconv
from fastconv import nn


def _accepted(call):
    try:
        call("no such method")
    except ValueError as error:
        listed = str(error).split("(got")[0]
        names = tuple(re.findall(r"'([A-Za-z0-9_]+)'", listed))
        if names:
            return names
        raise AssertionError(f"cannot read the method names from {error}") from None
    raise AssertionError("an unknown method was accepted")


@functools.lru_cache(maxsize=None)
def signal_methods():
    """Methods of the signal API (convolve ... correlate2d_backward)."""
    return _accepted(lambda m: fastconv.convolve([1.0, 2.0], [1.0], method=m))


@functools.lru_cache(maxsize=None)
def nn_methods():
    """Methods of fastconv.nn."""
    return _accepted(lambda m: nn.conv1d(np.ones((1, 1, 2)), np.ones((1, 1, 1)), method=m))


@functools.lru_cache(maxsize=None)
def signal_method_accepts(method, dtype):
    """False when the signal API refuses `method` for inputs of `dtype` with
    a ValueError (method='fft' on integers, whose results must be exact)."""
    one = np.ones(2, dtype=dtype)
    try:
        fastconv.convolve(one, one[:1], method=method)
    except ValueError:
        return False
    return True
