"""Arguments placed inside larger buffers of sentinel values, to catch a
kernel that reads (or writes) outside an argument: NaN around floats, the
extreme value around integers.  A read past an argument's end then changes
the result (NaN, or a huge integer term), and a stray write changes the
sentinels."""
import numpy as np

MARGIN = 67    # elements on each side; odd, so that alignment varies too


def sentinel(dtype):
    """The value around an array of `dtype`."""
    dtype = np.dtype(dtype)
    if dtype.kind == "f":
        return np.nan
    if dtype.kind == "c":
        return complex(np.nan, np.nan)
    if dtype.kind == "b":
        return True
    return np.iinfo(dtype).max


class Guarded:
    """a's values as a view inside a buffer of sentinels.

    contiguous=True: a C-contiguous view in the middle of a flat buffer (what
    the kernels receive without a copy); False: a strided view, every second
    element along the last axis, in the middle of a block larger than `a`
    in every dimension (what a user's slice of a larger array looks like),
    itself in the middle of a flat buffer.

    Either way `margin` sentinels lie before the first and after the last
    element of the view.  In the strided case every row also has `margin`
    sentinels on either side and one between neighbours (the last axis is
    where kernels walk), and the other axes max(2, n) rows of sentinels on
    either side: enough to turn a step past any edge into a sentinel,
    without the block growing as (n + 2 margin)**ndim (4-D layer inputs
    would need gigabytes).
    """

    def __init__(self, a, contiguous=True, margin=MARGIN):
        a = np.asarray(a)
        self.original = a.copy()
        fill = sentinel(a.dtype)
        if contiguous or a.ndim == 0:
            self.buffer = np.full(a.size + 2 * margin, fill, dtype=a.dtype)
            self.view = self.buffer[margin:margin + a.size].reshape(a.shape)
        else:
            pads = [max(2, n) for n in a.shape[:-1]] + [margin]
            steps = [1] * (a.ndim - 1) + [2]
            block_shape = tuple(s * n + 2 * p for n, p, s in zip(a.shape, pads, steps))
            block_size = int(np.prod(block_shape))
            self.buffer = np.full(block_size + 2 * margin, fill, dtype=a.dtype)
            block = self.buffer[margin:margin + block_size].reshape(block_shape)
            self.view = block[tuple(slice(p, p + s * n, s)
                                    for n, p, s in zip(a.shape, pads, steps))]
        self.view[...] = a
        self._before = self.buffer.copy()

    def check_untouched(self):
        """Neither the argument nor the sentinels around it were written."""
        np.testing.assert_array_equal(self.buffer, self._before, err_msg="buffer written")
        np.testing.assert_array_equal(self.view, self.original, err_msg="argument modified")


def assert_same_with_guards(call, arrays, contiguous=True):
    """call(*arrays) gives the same result (values, NaN positions, dtype,
    shape) when every array is replaced by a guarded view of it."""
    expected = call(*[np.array(a, copy=True) for a in arrays])
    guards = [Guarded(a, contiguous) for a in arrays]
    got = call(*[g.view for g in guards])
    for g in guards:
        g.check_untouched()
    _assert_identical(got, expected)


def _assert_identical(got, expected):
    if isinstance(expected, tuple):
        assert isinstance(got, tuple) and len(got) == len(expected)
        for a, b in zip(got, expected):
            _assert_identical(a, b)
        return
    if expected is None:
        assert got is None
        return
    assert got.dtype == expected.dtype and got.shape == expected.shape
    # bitwise: the same bytes, so -0.0 vs 0.0 and NaN payloads count too
    np.testing.assert_array_equal(got.view(np.uint8), expected.view(np.uint8))
