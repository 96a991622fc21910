"""fastconv.dask (issue 14): every mode x boundary x kernel gives the in-memory
result for random chunkings (chunks smaller than the kernel included), with
batches along extra axes, for the signal API and fastconv.dask.nn; on Dask's
threaded scheduler, and once on a distributed.LocalCluster of two worker
processes started and closed here.

The direct method sums each output's taps in the same order in a chunk as in
the whole array, so its results are compared for equality; the other
methods with the scaled tolerance of docs/guide/accuracy.rst."""
import logging
import zlib

import numpy as np
import pytest

da = pytest.importorskip("dask.array", reason="fastconv.dask needs dask[array] "
                         "(pip install 'fastconv[dask]')")
import dask  # noqa: E402

import fastconv  # noqa: E402
import fastconv.dask as fd  # noqa: E402
from fastconv import nn  # noqa: E402
from fastconv.dask import _halo  # noqa: E402
from fastconv.dask import nn as dnn  # noqa: E402

from helpers import assert_scaled_close  # noqa: E402

MODES = ["full", "same", "valid"]
BOUNDARIES = ["fill", "wrap", "symm"]
KERNELS_1D = [1, 2, 3, 4, 7]
KERNELS_2D = [(1, 1), (2, 2), (3, 3), (2, 5), (4, 3)]


@pytest.fixture(autouse=True)
def threaded_scheduler():
    with dask.config.set(scheduler="threads"):
        yield


def random_chunks(rng, n, largest=None):
    """A random partition of n into chunk sizes 1..largest."""
    largest = largest or max(1, n // 2)
    chunks, left = [], n
    while left:
        size = int(rng.integers(1, min(largest, left) + 1))
        chunks.append(size)
        left -= size
    return tuple(chunks)


def check(got, ref, method, x=None, w=None, magnitude=None, n_terms=1):
    """Equality for 'direct' and exact dtypes; scaled tolerance otherwise."""
    assert got.shape == ref.shape and got.dtype == ref.dtype, (got.shape, ref.shape,
                                                               got.dtype, ref.dtype)
    if method == "direct" or ref.dtype.kind in "biu":
        np.testing.assert_array_equal(got, ref)
    else:
        assert_scaled_close(got, ref, magnitude, n_terms, c=8.0)


# --------------------------------------------------------------------------
# the halo arithmetic
# --------------------------------------------------------------------------

@pytest.mark.parametrize("boundary,mode", [("wrap", "wrap"), ("symm", "symmetric"),
                                           ("clip", None)])
def test_runs_and_pieces_rebuild_numpy_pad(boundary, mode):
    rng = np.random.default_rng(1)
    for n in (1, 2, 5, 9):
        data = np.arange(n)
        chunks = random_chunks(rng, n)
        bounds = _halo._bounds(chunks)
        blocks = np.split(data, bounds[1:-1])
        for start, stop in [(-13, 20), (-1, 3), (4, 30), (0, n), (-25, -3)]:
            window = [blocks[b][s] for b, s, _ in
                      _halo.pieces(_halo.runs(start, stop, n, boundary), bounds)]
            got = np.concatenate(window) if window else np.empty(0, int)
            if mode is None:
                expected = data[max(start, 0):max(min(stop, n), 0)]
            else:
                padded = np.pad(data, (max(-start, 0), max(stop - n, 0)), mode=mode)
                expected = padded[start + max(-start, 0):stop + max(-start, 0)]
            np.testing.assert_array_equal(got, expected, err_msg=f"{n} {chunks} {start} {stop}")


# --------------------------------------------------------------------------
# numpy.convolve / numpy.correlate
# --------------------------------------------------------------------------

@pytest.mark.parametrize("name", ["convolve", "correlate"])
@pytest.mark.parametrize("mode", MODES)
def test_1d_every_kernel_random_chunks(name, mode):
    rng = np.random.default_rng(zlib.crc32(f"{name} {mode}".encode()))
    for k in KERNELS_1D:
        for trial in range(2):
            n = int(rng.integers(k, 40))
            a = rng.standard_normal(n)
            v = rng.standard_normal(k)
            chunks = random_chunks(rng, n, largest=max(1, k // 2) if trial == 0 else None)
            got = getattr(fd, name)(da.from_array(a, chunks=chunks), v, mode, method="direct")
            ref = getattr(fastconv, name)(a, v, mode, method="direct")
            check(got.compute(), ref, "direct")


@pytest.mark.parametrize("method", ["im2col", "fft", "auto"])
def test_1d_other_methods(method):
    rng = np.random.default_rng(2)
    a, v = rng.standard_normal(300).astype(np.float32), rng.standard_normal(9).astype(np.float32)
    A = da.from_array(a, chunks=37)
    for mode in MODES:
        for name in ("convolve", "correlate"):
            got = getattr(fd, name)(A, v, mode, method=method).compute()
            ref = getattr(fastconv, name)(a, v, mode, method=method)
            mag = getattr(fastconv, name)(np.abs(a), np.abs(v), mode, method="direct")
            check(got, ref, method, magnitude=mag, n_terms=len(v))


def test_1d_integer_complex_and_exact_dtypes():
    rng = np.random.default_rng(3)
    a = rng.integers(-100, 100, 50).astype(np.int16)
    v = rng.integers(-5, 5, 4).astype(np.int16)
    for mode in MODES:
        got = fd.convolve(da.from_array(a, chunks=3), v, mode).compute()
        np.testing.assert_array_equal(got, np.convolve(a, v, mode))
        assert got.dtype == np.int16
    z = rng.standard_normal(30) + 1j * rng.standard_normal(30)
    w = rng.standard_normal(5) + 1j * rng.standard_normal(5)
    got = fd.correlate(da.from_array(z, chunks=4), w, "full", method="direct").compute()
    np.testing.assert_array_equal(got, fastconv.correlate(z, w, "full", method="direct"))
    np.testing.assert_allclose(got, np.correlate(z, w, "full"), rtol=1e-12, atol=1e-12)
    b = rng.integers(0, 2, 40).astype(bool)
    np.testing.assert_array_equal(fd.convolve(da.from_array(b, chunks=7), [True, False]).compute(),
                                  np.convolve(b, [True, False]))


def test_1d_kernel_longer_than_the_data_and_numpy_errors():
    a, v = np.arange(4.0), np.arange(9.0)
    for mode in MODES:
        for name in ("convolve", "correlate"):
            got = getattr(fd, name)(da.from_array(a, chunks=2), v, mode).compute()
            np.testing.assert_allclose(got, getattr(np, name)(a, v, mode))
    with pytest.raises(ValueError, match="mode must be one of"):
        fd.convolve(da.ones(5, chunks=2), [1.0], "nope")
    with pytest.raises(ValueError, match="object too deep"):
        fd.convolve(da.ones((5, 5), chunks=2), [1.0])
    with pytest.raises(ValueError, match="v cannot be empty"):
        fd.convolve(da.ones(5, chunks=2), [])
    with pytest.raises(ValueError, match="method must be one of"):
        fd.correlate(da.ones(5, chunks=2), [1.0], method="winograd")


@pytest.mark.parametrize("name", ["convolve", "correlate"])
def test_1d_batches_along_an_axis(name):
    rng = np.random.default_rng(4)
    a = rng.standard_normal((3, 41, 2))
    v = rng.standard_normal(6)
    A = da.from_array(a, chunks=(2, 5, 1))
    for mode in MODES:
        got = getattr(fd, name)(A, v, mode, method="direct", axis=1).compute()
        ref = np.stack([np.stack([getattr(fastconv, name)(a[i, :, j], v, mode, method="direct")
                                  for j in range(2)], axis=-1) for i in range(3)])
        check(got, ref, "direct")


def test_long_signal_in_many_chunks():
    rng = np.random.default_rng(5)
    a, v = rng.standard_normal(200_000).astype(np.float32), rng.standard_normal(31)
    got = fd.convolve(da.from_array(a, chunks=16_384), v, "same", method="direct").compute()
    check(got, fastconv.convolve(a, v, "same", method="direct"), "direct")


# --------------------------------------------------------------------------
# scipy.signal.convolve2d / correlate2d
# --------------------------------------------------------------------------

@pytest.mark.parametrize("name", ["convolve2d", "correlate2d"])
@pytest.mark.parametrize("boundary", BOUNDARIES)
@pytest.mark.parametrize("mode", MODES)
def test_2d_every_mode_boundary_kernel_random_chunks(name, mode, boundary):
    rng = np.random.default_rng(zlib.crc32(f"{name} {mode} {boundary}".encode()))
    for kh, kw in KERNELS_2D:
        h, w = int(rng.integers(kh, 17)), int(rng.integers(kw, 17))
        image = rng.standard_normal((h, w))
        kernel = rng.standard_normal((kh, kw))
        chunks = (random_chunks(rng, h, largest=max(1, kh - 1)), random_chunks(rng, w))
        fillvalue = float(rng.choice([0.0, 1.5]))
        got = getattr(fd, name)(da.from_array(image, chunks=chunks), kernel, mode, boundary,
                                fillvalue, method="direct")
        ref = getattr(fastconv, name)(image, kernel, mode, boundary, fillvalue, method="direct")
        check(got.compute(), ref, "direct")


@pytest.mark.parametrize("boundary", BOUNDARIES)
@pytest.mark.parametrize("mode", ["full", "same"])
def test_2d_kernel_larger_than_the_image(mode, boundary):
    rng = np.random.default_rng(6)
    image, kernel = rng.standard_normal((5, 4)), rng.standard_normal((12, 9))
    for name in ("convolve2d", "correlate2d"):
        got = getattr(fd, name)(da.from_array(image, chunks=(2, 3)), kernel, mode, boundary,
                                -2.0, method="direct").compute()
        check(got, getattr(fastconv, name)(image, kernel, mode, boundary, -2.0, method="direct"),
              "direct")
    # 'valid' with the image the smaller input: SciPy's swap, computed in memory
    got = fd.correlate2d(da.from_array(image, chunks=2), kernel, "valid").compute()
    np.testing.assert_allclose(got, fastconv.correlate2d(image, kernel, "valid"), rtol=1e-12)


@pytest.mark.parametrize("method", ["im2col", "fft", "auto"])
def test_2d_other_methods(method):
    rng = np.random.default_rng(7)
    image = rng.standard_normal((40, 33)).astype(np.float32)
    kernel = rng.standard_normal((5, 4)).astype(np.float32)
    image_dask = da.from_array(image, chunks=(16, 10))
    for mode in MODES:
        for boundary in BOUNDARIES:
            got = fd.convolve2d(image_dask, kernel, mode, boundary, 0.5, method=method).compute()
            ref = fastconv.convolve2d(image, kernel, mode, boundary, 0.5, method=method)
            mag = fastconv.convolve2d(np.abs(image), np.abs(kernel), mode, boundary, 0.5,
                                      method="direct")
            check(got, ref, method, magnitude=mag, n_terms=kernel.size)


def test_2d_dtypes_fill_values_and_scipy_errors():
    rng = np.random.default_rng(8)
    image = rng.integers(0, 255, (19, 23)).astype(np.uint8)
    kernel = np.array([[1, 2, 1], [2, 4, 2], [1, 2, 1]], dtype=np.uint8)
    for boundary in BOUNDARIES:
        got = fd.convolve2d(da.from_array(image, chunks=(4, 5)), kernel, "same", boundary, 7)
        np.testing.assert_array_equal(got.compute(),
                                      fastconv.convolve2d(image, kernel, "same", boundary, 7))
    z = rng.standard_normal((9, 8)) + 1j * rng.standard_normal((9, 8))
    k = rng.standard_normal((3, 2)) + 1j * rng.standard_normal((3, 2))
    got = fd.correlate2d(da.from_array(z, chunks=3), k, "full", "fill", 1 - 2j, method="direct")
    check(got.compute(), fastconv.correlate2d(z, k, "full", "fill", 1 - 2j, method="direct"),
          "direct")
    # an inf in the kernel meets the fill of 0 as in SciPy (nan there), chunked or not
    kinf = np.array([[1.0, np.inf], [2.0, 3.0]])
    image_f = rng.standard_normal((6, 7))
    check(fd.convolve2d(da.from_array(image_f, chunks=2), kinf, "same").compute(),
          fastconv.convolve2d(image_f, kinf, "same"), "direct")
    ones = da.ones((6, 6), chunks=3)
    with pytest.raises(ValueError, match="Acceptable mode flags"):
        fd.convolve2d(ones, np.ones((2, 2)), "nope")
    with pytest.raises(ValueError, match="Acceptable boundary flags"):
        fd.convolve2d(ones, np.ones((2, 2)), "same", "edge")
    with pytest.raises(ValueError, match="must both be 2-D"):
        fd.correlate2d(ones[0], np.ones((2, 2)))
    with pytest.raises(ValueError, match="at least as large as the other"):
        fd.correlate2d(da.ones((3, 9), chunks=2), np.ones((5, 2)), "valid")


@pytest.mark.parametrize("name", ["convolve2d", "correlate2d"])
def test_2d_batches_along_axes(name):
    rng = np.random.default_rng(9)
    stack = rng.standard_normal((4, 11, 3, 13))           # images on axes 1 and 3
    kernel = rng.standard_normal((3, 4))
    stack_dask = da.from_array(stack, chunks=(3, 4, 2, 5))
    got = getattr(fd, name)(stack_dask, kernel, "same", "symm", method="direct",
                            axes=(1, -1)).compute()
    ref = np.empty_like(got)
    for i in range(4):
        for j in range(3):
            ref[i, :, j, :] = getattr(fastconv, name)(stack[i, :, j, :], kernel, "same", "symm",
                                                      method="direct")
    check(got, ref, "direct")
    with pytest.raises(ValueError, match="repeated axis"):
        getattr(fd, name)(stack_dask, kernel, axes=(1, 1))


def test_results_are_lazy_and_kernel_is_one_key():
    image = da.ones((64, 64), chunks=16)
    out = fd.convolve2d(image, np.ones((5, 5)), "same", "wrap")
    graph = dict(out.__dask_graph__())
    shared = [k for k in graph if isinstance(k, str) and "-shared0-" in k]
    assert len(shared) == 1                       # the kernel: one key for 16 tasks
    assert out.chunks == image.chunks
    np.testing.assert_array_equal(out.compute(), np.full((64, 64), 25.0))


def test_unknown_chunk_sizes_are_refused_clearly():
    x = da.arange(20.0, chunks=5)
    unknown = x[x > 3]                                # chunk sizes nan
    with pytest.raises(ValueError, match="compute_chunk_sizes"):
        fd.convolve(unknown, [1.0, 1.0])
    got = fd.convolve(unknown.compute_chunk_sizes(), [1.0, 1.0]).compute()
    np.testing.assert_array_equal(got, np.convolve(np.arange(4.0, 20.0), [1.0, 1.0]))


def test_tasks_pass_threads_1(monkeypatch):
    """Every task's fastconv call runs on one thread: Dask's workers are the
    parallelism (no oversubscription)."""
    seen = []

    def spy(function):
        def wrapper(*args, **kwargs):
            seen.append(kwargs.get("threads"))
            return function(*args, **kwargs)
        return wrapper

    monkeypatch.setattr(fd, "correlate_2d", spy(fd.correlate_2d))
    monkeypatch.setattr(nn, "conv2d", spy(nn.conv2d))
    fd.convolve2d(da.ones((8, 8), chunks=4), np.ones((3, 3)), "same").compute()
    dnn.conv2d(da.ones((2, 1, 8, 8), chunks=(1, 1, 4, 4)), np.ones((1, 1, 3, 3))).compute()
    assert len(seen) == 4 + 8 and set(seen) == {1}


def test_tasks_run_on_one_thread():
    from fastconv._ext import _runtime
    with _halo.one_thread():
        assert _runtime.openmp_max_threads() == 1


# --------------------------------------------------------------------------
# fastconv.dask.nn
# --------------------------------------------------------------------------

LAYERS_2D = [dict(), dict(stride=2, padding=1), dict(padding="same", dilation=2),
             dict(stride=(2, 3), padding=(2, 1), dilation=(1, 2), groups=2)]


@pytest.mark.parametrize("kwargs", LAYERS_2D)
def test_nn_conv2d_chunked_batch_and_space(kwargs):
    rng = np.random.default_rng(10)
    x = rng.standard_normal((5, 4, 13, 17)).astype(np.float32)
    weight = rng.standard_normal((6, 4 // kwargs.get("groups", 1), 3, 4)).astype(np.float32)
    bias = rng.standard_normal(6).astype(np.float32)
    ref = nn.conv2d(x, weight, bias, **kwargs, method="direct")
    for chunks in [(2, 4, 13, 17), (2, 1, 4, 5), (1, 2, 2, 3)]:
        got = dnn.conv2d(da.from_array(x, chunks=chunks), weight, bias, **kwargs,
                         method="direct").compute()
        check(got, ref, "direct")
    got = dnn.conv2d(da.from_array(x, chunks=(2, 4, 6, 6)), weight, bias, **kwargs).compute()
    mag = nn.conv2d(np.abs(x), np.abs(weight), np.abs(bias), **kwargs, method="direct")
    check(got, nn.conv2d(x, weight, bias, **kwargs), "auto", magnitude=mag,
          n_terms=weight[0].size)


def test_nn_conv1d_and_unbatched():
    rng = np.random.default_rng(11)
    x = rng.standard_normal((3, 2, 40))
    weight = rng.standard_normal((3, 2, 5))
    for kwargs in (dict(stride=3, padding=4, dilation=2), dict(padding="same"), dict()):
        got = dnn.conv1d(da.from_array(x, chunks=(1, 1, 3)), weight, **kwargs, method="direct")
        check(got.compute(), nn.conv1d(x, weight, **kwargs, method="direct"), "direct")
    got = dnn.conv1d(da.from_array(x[0], chunks=(2, 7)), weight, padding="same", method="direct")
    check(got.compute(), nn.conv1d(x[0], weight, padding="same", method="direct"), "direct")
    with pytest.raises(ValueError, match="channels"):
        dnn.conv1d(da.from_array(x, chunks=2), np.ones((3, 3, 5)))


# --------------------------------------------------------------------------
# a real cluster: two worker processes
# --------------------------------------------------------------------------

def test_local_cluster_two_worker_processes():
    distributed = pytest.importorskip("distributed", reason="needs distributed "
                                      "(pip install 'fastconv[dask]')")
    rng = np.random.default_rng(12)
    image = rng.standard_normal((96, 80)).astype(np.float32)
    kernel = rng.standard_normal((5, 5)).astype(np.float32)
    x = rng.standard_normal((4, 3, 20, 20))
    weight = rng.standard_normal((2, 3, 3, 3))
    with distributed.LocalCluster(n_workers=2, threads_per_worker=1, processes=True,
                                  dashboard_address=None, silence_logs=logging.ERROR) as cluster, \
            distributed.Client(cluster) as client:
        assert len(client.scheduler_info()["workers"]) == 2
        image_out = fd.convolve2d(da.from_array(image, chunks=(32, 16)), kernel, "same", "symm",
                                  method="direct")
        layer_out = dnn.conv2d(da.from_array(x, chunks=(1, 3, 10, 10)), weight, padding=1,
                               method="direct")
        got_image, got_layer = client.compute([image_out, layer_out], sync=True)
        check(got_image, fastconv.convolve2d(image, kernel, "same", "symm", method="direct"),
              "direct")
        check(got_layer, nn.conv2d(x, weight, padding=1, method="direct"), "direct")
        # in each worker process, a task's fastconv call sees one OpenMP thread
        threads = client.run(_task_threads)
        assert set(threads.values()) == {1}


def _task_threads():
    from fastconv._ext import _runtime
    from fastconv.dask import _halo as halo
    with halo.one_thread():
        return _runtime.openmp_max_threads()


def test_the_large_image_example_runs():
    """examples/dask_large_image.py, in its fast mode (it checks its own result)."""
    import os
    import pathlib
    import subprocess
    import sys
    script = pathlib.Path(__file__).parent.parent / "examples" / "dask_large_image.py"
    if not script.exists():
        pytest.skip("the examples are not in this tree")
    done = subprocess.run([sys.executable, str(script)], capture_output=True, text=True,
                          timeout=300, env=dict(os.environ, FASTCONV_EXAMPLES_FAST="1"))
    assert done.returncode == 0, done.stderr
    assert "largest difference from the in-memory result" in done.stdout
