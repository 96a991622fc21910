"""Memory layouts and robustness: any layout gives the contiguous result,
inputs are never modified, the GIL is released, huge sizes fail cleanly."""
import threading
import time

import numpy as np
import pytest
import scipy.signal
from numpy.lib.stride_tricks import as_strided

import fastconv

METHODS = ["direct", "im2col"]


def _misaligned(a):
    """A copy of a whose data pointer is not aligned for its dtype."""
    buf = np.zeros(a.nbytes + 1, dtype=np.uint8)
    out = np.frombuffer(buf.data, dtype=a.dtype, count=a.size, offset=1).reshape(a.shape)
    out[...] = a
    assert not out.flags.aligned
    return out


def _readonly(a):
    a = a.copy()
    a.flags.writeable = False
    return a


LAYOUTS_1D = {
    "strided": lambda a: np.repeat(a, 3)[::3],
    "negative stride": lambda a: a[::-1].copy()[::-1],
    "read-only": _readonly,
    "misaligned": _misaligned,
    "byte-swapped": lambda a: a.astype(a.dtype.newbyteorder()),
    "frombuffer": lambda a: np.frombuffer(a.tobytes(), dtype=a.dtype),
}


@pytest.mark.parametrize("method", METHODS)
@pytest.mark.parametrize("layout", sorted(LAYOUTS_1D))
@pytest.mark.parametrize("dtype", [np.float64, np.complex64, np.int32])
def test_1d_layouts_give_the_contiguous_result(layout, dtype, method):
    rng = np.random.default_rng(3)
    a = (rng.standard_normal(50) * 10).astype(dtype)
    v = (rng.standard_normal(7) * 10).astype(dtype)
    make = LAYOUTS_1D[layout]
    for name in ("convolve", "correlate"):
        expected = getattr(fastconv, name)(a, v, "full", method=method)
        got = getattr(fastconv, name)(make(a), make(v), "full", method=method)
        np.testing.assert_array_equal(got, expected)
        assert got.flags.c_contiguous and got.flags.writeable and got.dtype.isnative


LAYOUTS_2D = {
    "fortran": np.asfortranarray,
    "transposed view": lambda a: a.T.copy().T,
    "negative strides": lambda a: a[::-1, ::-1].copy()[::-1, ::-1],
    "column slice": lambda a: np.repeat(a, 2, axis=1)[:, ::2],
    "read-only": _readonly,
    "misaligned": _misaligned,
    "byte-swapped": lambda a: a.astype(a.dtype.newbyteorder()),
}


@pytest.mark.parametrize("method", METHODS)
@pytest.mark.parametrize("layout", sorted(LAYOUTS_2D))
@pytest.mark.parametrize("boundary", ["fill", "wrap", "symm"])
def test_2d_layouts_give_the_contiguous_result(layout, boundary, method):
    rng = np.random.default_rng(4)
    img, ker = rng.standard_normal((9, 11)), rng.standard_normal((3, 4))
    make = LAYOUTS_2D[layout]
    for name in ("convolve2d", "correlate2d"):
        expected = getattr(fastconv, name)(img, ker, "same", boundary, method=method)
        got = getattr(fastconv, name)(make(img), make(ker), "same", boundary, method=method)
        np.testing.assert_array_equal(got, expected)
        assert got.flags.c_contiguous


def test_zero_stride_broadcast_inputs():
    a = np.broadcast_to(np.float32(2.0), (40,))
    np.testing.assert_array_equal(fastconv.convolve(a, [1.0, 1.0]), np.convolve(a, [1.0, 1.0]))
    img = np.broadcast_to(np.arange(5.0), (6, 5))
    import scipy.signal
    np.testing.assert_array_equal(fastconv.correlate2d(img, img[:2, :2], "same", "symm"),
                                  scipy.signal.correlate2d(img, img[:2, :2], "same", "symm"))


@pytest.mark.parametrize("method", METHODS)
def test_inputs_are_never_modified(method):
    rng = np.random.default_rng(5)
    a, v = rng.standard_normal(30) + 1j, rng.standard_normal(8) - 2j
    img, ker = rng.standard_normal((7, 6)) + 0.5j, rng.standard_normal((3, 3)) - 1j
    keep = [x.copy() for x in (a, v, img, ker)]
    for mode in ("full", "same", "valid"):
        fastconv.convolve(a, v, mode, method=method)
        fastconv.correlate(v, a, mode, method=method)   # conjugates the longer input
        fastconv.convolve2d(img, ker, mode, "symm", method=method)
        fastconv.correlate2d(ker, img, "valid", method=method)   # swapped, conjugated
        fastconv.correlate2d(img, ker, mode, "fill", 3 + 1j, method=method)
    for before, after in zip(keep, (a, v, img, ker)):
        np.testing.assert_array_equal(before, after)


def test_same_array_as_both_inputs_and_overlapping_views():
    x = np.arange(20.0)
    np.testing.assert_array_equal(fastconv.convolve(x, x), np.convolve(x, x))
    np.testing.assert_array_equal(fastconv.correlate(x[2:], x[:9], "same"),
                                  np.correlate(x[2:], x[:9], "same"))


def test_output_is_new_and_independent_of_inputs():
    a = np.ones(5)
    out = fastconv.convolve(a, [1.0])
    out[:] = 7
    assert (a == 1).all()
    assert not np.shares_memory(out, a)


def test_gil_is_released_while_the_kernel_runs():
    """A heartbeat thread keeps ticking during a long call only if the GIL is
    free.  Each method's image grows until one call lasts long enough to
    observe (the methods differ by orders of magnitude in speed)."""
    rng = np.random.default_rng(6)
    ker = np.ones((15, 15))
    ticks = []
    stop = threading.Event()

    def heartbeat():
        while not stop.is_set():
            ticks.append(time.perf_counter())
            time.sleep(0.001)

    for method in METHODS:
        rows = 900
        while True:
            img = rng.standard_normal((rows, 900))
            thread = threading.Thread(target=heartbeat)
            ticks.clear()
            stop.clear()
            thread.start()
            time.sleep(0.01)
            t0 = time.perf_counter()
            fastconv.correlate2d(img, ker, "valid", method=method, threads=1)
            t1 = time.perf_counter()
            stop.set()
            thread.join()
            if t1 - t0 > 0.05 or rows >= 900 * 32:
                break
            rows *= 2
        during = [t for t in ticks if t0 < t < t1]
        assert t1 - t0 > 0.02, f"{method}: the call is too short to observe"
        # with the GIL held the heartbeat could not tick at all during the call
        assert len(during) >= 3, f"{method}: heartbeat ticked {len(during)} times in {t1 - t0:.3f} s"


def test_huge_sizes_fail_cleanly():
    """Zero-stride views of 2**40 elements cost nothing to make; the output or
    the copy cannot be allocated, and the error says so (no crash, no wrap)."""
    huge = as_strided(np.ones(1, np.int8), shape=(2**40,), strides=(0,))
    with pytest.raises((MemoryError, ValueError)):
        fastconv.convolve(huge, np.ones(3, np.int8))
    with pytest.raises((MemoryError, ValueError)):
        fastconv.correlate(np.ones(3, np.int8), huge, "full")
    wide = as_strided(np.ones(1, np.int8), shape=(2**31, 2**31), strides=(0, 0))
    with pytest.raises((MemoryError, ValueError)):
        fastconv.convolve2d(wide, np.ones((2, 2), np.int8))
    # the interpreter and the module are fine afterwards
    np.testing.assert_array_equal(fastconv.convolve([1, 2], [1, 1]), [1, 3, 2])


def test_kernel_larger_than_image_with_wrap_and_symm():
    """scipy#8814/#8684: a kernel far wider than the image must not read out of bounds."""
    import scipy.signal
    img = np.arange(12.0).reshape(3, 4)
    ker = np.random.default_rng(8).standard_normal((1, 301))
    for boundary in ("wrap", "symm"):
        for mode in ("same", "full"):
            got = fastconv.convolve2d(img, ker, mode, boundary)
            expected = scipy.signal.convolve2d(img, ker, mode, boundary)
            np.testing.assert_allclose(got, expected, rtol=1e-12, atol=1e-10)


def test_blas_thread_count_is_restored_after_im2col():
    """The im2col loops run OpenBLAS on one thread and put the count back."""
    from fastconv import _blas_threads
    library, _, _ = _blas_threads.scipy_blas()
    if library is None or _blas_threads.controlled_library() is None:
        pytest.skip("SciPy does not use an OpenBLAS with a process-wide thread pool here")
    before = library.get_num_threads()
    fastconv.convolve(np.ones(5000), np.ones(40), method="im2col")
    fastconv.correlate2d(np.ones((60, 60)), np.ones((5, 5)), "same", "symm", method="im2col")
    assert library.get_num_threads() == before


@pytest.mark.parametrize("dtype", [np.int8, np.float32, np.float64, np.complex128])
@pytest.mark.parametrize("shape", [(0,), (1,), (3, 5), (7, 0, 2), (640, 33), (3, 256, 129)])
def test_empty_output_starts_large_arrays_on_a_cache_line(dtype, shape):
    from fastconv._block_cache import LARGE_OUTPUT_BYTES, empty_output

    out = empty_output(shape, dtype)
    assert out.shape == shape and out.dtype == dtype
    assert out.flags.c_contiguous and out.flags.writeable
    if out.nbytes >= LARGE_OUTPUT_BYTES:
        assert out.ctypes.data % 64 == 0
    out[...] = 1   # the whole extent is its own
    assert out.sum() == out.size


@pytest.mark.parametrize("dtype", [np.float32, np.float64, np.complex128])
def test_direct_results_start_on_a_cache_line(dtype):
    # the direct kernels write whole lines only on rows that start on one
    rng = np.random.default_rng(7)
    images = rng.standard_normal((3, 256, 272)).astype(dtype)
    kernel = rng.standard_normal((5, 5)).astype(dtype)
    single = fastconv.convolve2d(images[0], kernel, "same", method="direct")
    stack = fastconv.convolve2d(images, kernel, "same", axes=(-2, -1), method="direct")
    for result in (single, stack):
        assert result.ctypes.data % 64 == 0 and result.flags.c_contiguous
    np.testing.assert_array_equal(stack[0], single)
    expected = scipy.signal.convolve2d(images[0], kernel, "same")
    np.testing.assert_allclose(single, expected, rtol=1e-4, atol=1e-4 * np.abs(expected).max())


def test_large_direct_results_reuse_the_blocks_of_freed_ones():
    # a freed large result's block is the next call's (no fresh pages to fault in)
    from fastconv import _block_cache

    limit = fastconv.block_cache_bytes()
    fastconv.set_block_cache_bytes(64 << 20)
    try:
        rng = np.random.default_rng(3)
        image, kernel = rng.standard_normal((600, 640)), rng.standard_normal((3, 3))
        first = fastconv.convolve2d(image, kernel, "same", method="direct")
        expected, block = first.copy(), first.base.ctypes.data
        del first
        assert _block_cache.cached_bytes() >= image.nbytes
        second = fastconv.convolve2d(image, kernel, "same", method="direct")
        assert second.base.ctypes.data == block
        np.testing.assert_array_equal(second, expected)
    finally:
        fastconv.set_block_cache_bytes(limit)
