"""The block cache of the FFT path (fastconv/_block_cache.py,
csrc/core/block_cache.c): arrays made inside `reusing()` take freed blocks of
their exact size, only there; the limit bounds what is kept; FFT results are
the same with the cache on or off."""
import threading

import numpy as np
import pytest

import fastconv
from fastconv import _block_cache
from fastconv._ext import _block_cache as _ext

LARGE = 1 << 20     # bytes: cached
SMALL = 1 << 12     # under FC_BLOCK_CACHE_MIN_BYTES: left to malloc


def handler_name():
    """The current NumPy memory handler's name (NEP 49's get_handler_name)."""
    return np._core.multiarray.get_handler_name()


@pytest.fixture
def cache_limit():
    """Run with a known limit and an empty cache; restore both after."""
    old = fastconv.set_block_cache_bytes(0)          # frees what is held
    fastconv.set_block_cache_bytes(64 << 20)
    yield
    fastconv.set_block_cache_bytes(0)
    fastconv.set_block_cache_bytes(old)


def test_handler_is_scoped_to_the_context():
    outside = handler_name()
    with _block_cache.reusing():
        assert handler_name() == "fastconv_block_cache"
    assert handler_name() == outside
    with pytest.raises(ZeroDivisionError):
        with _block_cache.reusing():
            1 / 0
    assert handler_name() == outside


def test_other_threads_keep_their_handler():
    seen = []
    with _block_cache.reusing():
        thread = threading.Thread(target=lambda: seen.append(handler_name()))
        thread.start()
        thread.join()
    assert seen == ["default_allocator"]


def test_a_freed_block_serves_the_next_request_of_its_size(cache_limit):
    with _block_cache.reusing():
        a = np.empty(LARGE, dtype=np.uint8)
        address = a.ctypes.data
        del a
        assert _block_cache.cached_bytes() == LARGE
        b = np.ones(LARGE, dtype=np.uint8)        # same size: the same block, rewritten
        assert b.ctypes.data == address and b.all()
        assert _block_cache.cached_bytes() == 0
        c = np.zeros(LARGE, dtype=np.uint8)       # calloc path: a new block, zeroed
        del b
        d = np.zeros(LARGE, dtype=np.uint8)       # calloc of a cached block: zeroed too
        assert d.ctypes.data == address and not d.any() and not c.any()


def test_only_exact_large_sizes_are_reused(cache_limit):
    with _block_cache.reusing():
        a = np.empty(LARGE, dtype=np.uint8)
        del a
        b = np.empty(LARGE + 8, dtype=np.uint8)   # another size: not from the cache
        assert _block_cache.cached_bytes() == LARGE
        del b
        s = np.empty(SMALL, dtype=np.uint8)
        del s
        assert _block_cache.cached_bytes() == 2 * LARGE + 8


def test_arrays_made_inside_return_when_freed_outside(cache_limit):
    with _block_cache.reusing():
        a = np.empty(LARGE, dtype=np.uint8)
    assert _block_cache.cached_bytes() == 0
    del a
    assert _block_cache.cached_bytes() == LARGE
    b = np.empty(LARGE, dtype=np.uint8)           # outside: NumPy's own allocator
    assert _block_cache.cached_bytes() == LARGE
    del b


def test_the_limit_bounds_what_is_kept(cache_limit):
    fastconv.set_block_cache_bytes(3 * LARGE)
    with _block_cache.reusing():
        arrays = [np.empty(LARGE, dtype=np.uint8) for _ in range(5)]
        while arrays:
            arrays.pop()
    assert _block_cache.cached_bytes() == 3 * LARGE           # the oldest two freed
    with _block_cache.reusing():
        big = np.empty(4 * LARGE, dtype=np.uint8)
        del big                                               # over the limit: freed
    assert _block_cache.cached_bytes() == 3 * LARGE
    fastconv.set_block_cache_bytes(LARGE)                     # lowering it frees
    assert _block_cache.cached_bytes() == LARGE
    fastconv.set_block_cache_bytes(0)
    assert _block_cache.cached_bytes() == 0
    with _block_cache.reusing():
        a = np.empty(LARGE, dtype=np.uint8)
        del a
    assert _block_cache.cached_bytes() == 0


def test_slots_bound_the_number_of_blocks(cache_limit):
    with _block_cache.reusing():
        arrays = [np.empty(LARGE + 64 * k, dtype=np.uint8) for k in range(40)]
        while arrays:
            arrays.pop(0)                 # freed in order k = 0, 1, ...
    held = _block_cache.cached_bytes()
    assert held == sum(LARGE + 64 * k for k in range(8, 40))   # the newest 32


def test_resize_inside_reallocates(cache_limit):
    with _block_cache.reusing():
        a = np.arange(LARGE // 8, dtype=np.float64)
        a.resize(LARGE // 4, refcheck=False)
        assert np.array_equal(a[:LARGE // 8], np.arange(LARGE // 8))
        del a


@pytest.mark.parametrize("dtype", [np.float32, np.float64, np.complex128])
def test_fft_results_do_not_depend_on_the_cache(cache_limit, dtype):
    rng = np.random.default_rng(3)
    x = rng.standard_normal((300, 280)).astype(dtype)
    w = rng.standard_normal((21, 17)).astype(dtype)
    first = fastconv.correlate2d(x, w, mode="same", method="fft")
    again = fastconv.correlate2d(x, w, mode="same", method="fft")   # cached blocks
    stack = fastconv.correlate2d(np.stack([x, x]), w, mode="same", method="fft",
                                 axes=(-2, -1))
    fastconv.set_block_cache_bytes(0)
    uncached = fastconv.correlate2d(x, w, mode="same", method="fft")
    assert first.tobytes() == again.tobytes() == uncached.tobytes()
    assert stack[0].tobytes() == stack[1].tobytes()
    assert handler_name() == "default_allocator"


def test_concurrent_calls_share_the_cache_safely(cache_limit):
    rng = np.random.default_rng(4)
    x = rng.standard_normal((256, 256))
    w = rng.standard_normal((31, 31))
    expected = fastconv.correlate2d(x, w, mode="same", method="fft")
    results, errors = [], []

    def work():
        try:
            for _ in range(10):
                results.append(fastconv.correlate2d(x, w, mode="same", method="fft"))
        except Exception as error:   # pragma: no cover - reported below
            errors.append(error)

    threads = [threading.Thread(target=work) for _ in range(4)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert not errors
    assert all(r.tobytes() == expected.tobytes() for r in results)
    assert _block_cache.cached_bytes() <= fastconv.block_cache_bytes()


def test_low_level_handler_swap():
    previous = _ext.use()
    try:
        assert handler_name() == "fastconv_block_cache"
    finally:
        _ext.restore(previous)
    assert handler_name() == "default_allocator"
