"""1-D and 2-D signal convolution: fastconv.convolve / convolve2d (every
method) against numpy.convolve, scipy.signal (convolve2d, convolve,
oaconvolve), scipy.ndimage.convolve and cv2.filter2D."""
import pytest

pytest.importorskip("pytest_benchmark")

FAMILY = "signal"


def test_signal(run_case, case, contender):
    run_case(case, contender)
