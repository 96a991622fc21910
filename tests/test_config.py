"""Settings (issue 12, item 6; issue 11, defects 2 and 3): every setting is
validated against what the C core can hold, a bad environment value warns and
falls back to the default instead of breaking ``import fastconv``, every
setting is reachable from Python and listed by show_config, and the
one-BLAS-thread policy of the im2col calls is correct when calls overlap."""
import io
import os
import subprocess
import sys
import threading

import numpy as np
import pytest
import threadpoolctl

import fastconv
from fastconv import _blas_threads, _config, nn
from fastconv._ext import _blas_threads as _blas_ext

BAD_MB = ["inf", "-inf", "nan", "abc", "", " ", "0", "-3", "1e30", "9e12", str(2**64)]


# --------------------------------------------------------------------------
# tile budgets (defect 3)
# --------------------------------------------------------------------------

@pytest.mark.parametrize("setter", [fastconv.set_im2col_tile_bytes, fastconv.set_nn_tile_bytes])
@pytest.mark.parametrize("value,error", [(2**64, ValueError), (2**63, ValueError), (0, ValueError),
                                         (-1, ValueError), (float("inf"), TypeError),
                                         ("abc", TypeError), (True, TypeError),
                                         (None, TypeError)])
def test_set_tile_bytes_refuses_what_c_cannot_hold(setter, value, error):
    before = setter(1 << 20)
    try:
        with pytest.raises(error, match="tile budget"):
            setter(value)
        assert setter(1 << 20) == 1 << 20      # unchanged by the refused call
    finally:
        setter(before)


def test_largest_tile_budget_still_computes():
    """2**63 - 1 bytes is accepted and every call still works (the budget
    only caps the tile, which the problem size caps too)."""
    x, w = np.arange(10.0), np.array([1.0, 2.0])
    xs, ws = np.ones((1, 2, 6)), np.ones((3, 2, 2))
    old = fastconv.set_im2col_tile_bytes(2**63 - 1), fastconv.set_nn_tile_bytes(2**63 - 1)
    try:
        for method in ("direct", "im2col", "auto"):
            np.testing.assert_array_equal(fastconv.convolve(x, w, method=method),
                                          np.convolve(x, w))
            np.testing.assert_array_equal(nn.conv1d(xs, ws, method=method), np.full((1, 3, 5), 4.0))
    finally:
        fastconv.set_im2col_tile_bytes(old[0])
        fastconv.set_nn_tile_bytes(old[1])


@pytest.mark.parametrize("text", BAD_MB)
@pytest.mark.parametrize("variable,default", [("FASTCONV_IM2COL_TILE_MB", 4 << 20),
                                              ("FASTCONV_NN_TILE_MB", 8 << 20)])
def test_bad_tile_environment_warns_and_uses_the_default(monkeypatch, variable, default, text):
    monkeypatch.setenv(variable, text)
    default_mb = default / 2**20
    if not text.strip():
        assert _config._bytes_from_env(variable, default_mb) == default
        return
    with pytest.warns(RuntimeWarning, match=variable):
        assert _config._bytes_from_env(variable, default_mb) == default


@pytest.mark.parametrize("text,nbytes", [("1", 2**20), ("0.5", 2**19), ("1e-9", 1),
                                         (" 16 ", 16 << 20)])
def test_good_tile_environment(monkeypatch, text, nbytes):
    monkeypatch.setenv("FASTCONV_IM2COL_TILE_MB", text)
    assert _config._bytes_from_env("FASTCONV_IM2COL_TILE_MB", 4.0) == nbytes


@pytest.mark.parametrize("text,nbytes", [("0", 0), (" 16 ", 16 << 20), ("1e-9", 1),
                                         ("-1", 64 << 20), ("nan", 64 << 20)])
def test_block_cache_environment_allows_zero(monkeypatch, text, nbytes):
    monkeypatch.setenv("FASTCONV_BLOCK_CACHE_MB", text)
    if nbytes == 64 << 20:
        with pytest.warns(RuntimeWarning, match="non-negative"):
            assert _config._bytes_from_env("FASTCONV_BLOCK_CACHE_MB", 64.0,
                                           zero_allowed=True) == nbytes
    else:
        assert _config._bytes_from_env("FASTCONV_BLOCK_CACHE_MB", 64.0,
                                       zero_allowed=True) == nbytes


@pytest.mark.parametrize("value,error", [(2**63, ValueError), (-1, ValueError),
                                         (float("inf"), TypeError), ("abc", TypeError),
                                         (True, TypeError), (None, TypeError)])
def test_set_block_cache_bytes_refuses_bad_sizes(value, error):
    before = fastconv.set_block_cache_bytes(1 << 20)
    try:
        with pytest.raises(error, match="FFT block cache size"):
            fastconv.set_block_cache_bytes(value)
        assert fastconv.block_cache_bytes() == 1 << 20
        assert fastconv.set_block_cache_bytes(0) == 1 << 20
    finally:
        fastconv.set_block_cache_bytes(before)


def _run_python(code, **env):
    environment = dict(os.environ, **env)
    return subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                          env=environment, timeout=120)


def test_import_never_fails_on_bad_settings():
    """Every variable set to nonsense at once: fastconv imports, warns once
    per variable, runs on the defaults."""
    code = ("import fastconv, numpy as np\n"
            "print(fastconv.im2col_tile_bytes(), fastconv.nn_tile_bytes(), "
            "fastconv.blas_threads(), fastconv.isa() == fastconv._isa.LEVELS[fastconv._isa.CPU_LEVEL])\n"
            "print(fastconv.convolve([1, 2], [1, 1], method='im2col').tolist())\n")
    out = _run_python(code, FASTCONV_IM2COL_TILE_MB="inf", FASTCONV_NN_TILE_MB="1e30",
                      FASTCONV_BLAS_THREADS="two", FASTCONV_ISA="avx9000",
                      FASTCONV_NUM_THREADS="abc")
    assert out.returncode == 0, out.stderr
    assert out.stdout.split("\n")[:2] == [f"{4 << 20} {8 << 20} 1 True", "[1, 3, 2]"]
    for variable in ("FASTCONV_IM2COL_TILE_MB", "FASTCONV_NN_TILE_MB", "FASTCONV_BLAS_THREADS",
                     "FASTCONV_ISA", "FASTCONV_NUM_THREADS"):
        assert f"RuntimeWarning: {variable}=" in out.stderr, (variable, out.stderr)


# --------------------------------------------------------------------------
# BLAS threads (defect 2 and FASTCONV_BLAS_THREADS)
# --------------------------------------------------------------------------

def _controlled_blas_threads():
    path = _blas_threads.controlled_library()
    for info in threadpoolctl.threadpool_info():
        if info["filepath"] == path:
            return info["num_threads"]
    return None


needs_controlled_blas = pytest.mark.skipif(
    not _blas_ext.installed(), reason="SciPy's BLAS is not a pthreads OpenBLAS")


@pytest.mark.parametrize("text", ["0", "-1", "yes", "many", "1.0", "²", str(2**31)])
def test_bad_blas_threads_environment_warns(monkeypatch, text):
    monkeypatch.setenv("FASTCONV_BLAS_THREADS", text)
    with pytest.warns(RuntimeWarning, match="FASTCONV_BLAS_THREADS"):
        assert _blas_threads._from_environment() == 1


@pytest.mark.parametrize("text,policy", [("", 1), ("1", 1), ("any", "any"), (" ANY ", "any"),
                                         ("2", 2), (" 16 ", 16)])
def test_good_blas_threads_environment(monkeypatch, text, policy):
    monkeypatch.setenv("FASTCONV_BLAS_THREADS", text)
    assert _blas_threads._from_environment() == policy


def test_set_blas_threads():
    assert fastconv.blas_threads() == 1
    for bad in (0, -1, "0", None, True, 1.0, 2**31):
        with pytest.raises(ValueError, match="BLAS threads setting must be a positive integer"):
            fastconv.set_blas_threads(bad)
    assert fastconv.set_blas_threads("any") == 1
    try:
        assert fastconv.blas_threads() == "any"
        assert _blas_ext.enter() == 0            # the policy is off: nothing to undo
    finally:
        assert fastconv.set_blas_threads(1) == "any"
    assert _blas_ext.enabled() == _blas_ext.installed()


@needs_controlled_blas
def test_the_library_controlled_is_the_one_scipy_calls():
    library, getter, setter = _blas_threads.scipy_blas()
    assert library.filepath == _blas_threads.controlled_library()
    assert library.internal_api == "openblas"
    assert getter.replace("get", "set") == setter


@needs_controlled_blas
def test_blas_threads_two_means_two():
    """FASTCONV_BLAS_THREADS=2 / set_blas_threads(2): BLAS runs on two
    threads inside fastconv's calls, whatever its count outside, which comes
    back afterwards (issue 12: it used to mean one thread, silently)."""
    assert fastconv.set_blas_threads(2) == 1
    try:
        for outside in (1, 3):
            with threadpoolctl.threadpool_limits(outside, user_api="blas"):
                token = _blas_ext.enter()
                assert _controlled_blas_threads() == 2
                _blas_ext.leave(token)
                assert _controlled_blas_threads() == outside
    finally:
        assert fastconv.set_blas_threads(1) == 2
    code = "import fastconv; print(fastconv.blas_threads())"
    out = _run_python(code, FASTCONV_BLAS_THREADS="2")
    assert out.returncode == 0 and out.stdout.strip() == "2" and "Warning" not in out.stderr, out


@needs_controlled_blas
def test_overlapping_regions_restore_the_count():
    """Two calls whose regions overlap (the second enters after the first
    set one thread, the first leaves before the second): the count comes
    back to the user's, not to the 1 the second call saw (defect 2)."""
    with threadpoolctl.threadpool_limits(2, user_api="blas"):
        first = _blas_ext.enter()
        assert _controlled_blas_threads() == 1
        second = _blas_ext.enter()
        _blas_ext.leave(first)
        assert _controlled_blas_threads() == 1       # second still inside
        _blas_ext.leave(second)
        assert _controlled_blas_threads() == 2
        assert _blas_ext.active_calls() == 0


@needs_controlled_blas
def test_a_change_made_during_a_call_is_kept():
    with threadpoolctl.threadpool_limits(2, user_api="blas"):
        token = _blas_ext.enter()
        library, _, _ = _blas_threads.scipy_blas()
        library.set_num_threads(3)                  # someone else's setting
        _blas_ext.leave(token)
        assert _controlled_blas_threads() == 3


@needs_controlled_blas
def test_concurrent_im2col_calls_leave_blas_threads_alone():
    """8 threads x 20 im2col calls, 4 rounds: the BLAS thread count is the
    user's afterwards (before the fix it stayed at 1 after most rounds)."""
    x = np.random.default_rng(0).standard_normal(20000)
    w = x[:15].copy()

    def work():
        for _ in range(20):
            fastconv.convolve(x, w, method="im2col")

    with threadpoolctl.threadpool_limits(2, user_api="blas"):
        for _ in range(4):
            threads = [threading.Thread(target=work) for _ in range(8)]
            for t in threads:
                t.start()
            for t in threads:
                t.join()
            assert _controlled_blas_threads() == 2
            assert _blas_ext.active_calls() == 0


# --------------------------------------------------------------------------
# Python setters and show_config (issue 12, item 6)
# --------------------------------------------------------------------------

def test_set_num_threads():
    old = fastconv.set_num_threads(3)
    try:
        assert fastconv._threads.resolve(None) == 3
        with pytest.raises(ValueError):
            fastconv.set_num_threads(0)
        with pytest.raises(TypeError):
            fastconv.set_num_threads(1.5)
        assert fastconv._threads.resolve(None) == 3
        assert fastconv.set_num_threads(None) == 3
        assert fastconv._threads.resolve(None) == fastconv._threads.default()
    finally:
        fastconv.set_num_threads(old)


def test_show_config_lists_every_setting():
    """Each environment variable fastconv reads is listed with its Python
    setter, and the current values are shown."""
    file = io.StringIO()
    old = fastconv.set_im2col_tile_bytes(12345)
    try:
        fastconv.show_config(file=file)
    finally:
        fastconv.set_im2col_tile_bytes(old)
    text = file.getvalue()
    for variable, setter in [("FASTCONV_ISA", "set_isa"), ("FASTCONV_NUM_THREADS", "set_num_threads"),
                             ("FASTCONV_IM2COL_TILE_MB", "set_im2col_tile_bytes"),
                             ("FASTCONV_NN_TILE_MB", "set_nn_tile_bytes"),
                             ("FASTCONV_BLOCK_CACHE_MB", "set_block_cache_bytes"),
                             ("FASTCONV_BLAS_THREADS", "set_blas_threads")]:
        assert f"{variable} / fastconv.{setter}" in text, (variable, text)
        assert callable(getattr(fastconv, setter))
    assert "12345 bytes" in text
    assert "BLAS threads      1 inside im2col calls" in text


def test_every_environment_variable_is_documented_in_show_config():
    """A new FASTCONV_* variable read by the package must show up in
    show_config (build-time and test-only variables aside)."""
    import pathlib
    import re
    root = pathlib.Path(fastconv.__file__).parent
    read = set()
    for path in root.rglob("*.py"):
        if "bench" in path.parts:
            continue
        read |= set(re.findall(r"FASTCONV_[A-Z_]+", path.read_text()))
    file = io.StringIO()
    fastconv.show_config(file=file)
    assert read <= set(re.findall(r"FASTCONV_[A-Z_]+", file.getvalue())), read


def test_openblas_kernel_note_names_the_fix_only_when_avx512_is_unused():
    from fastconv import _isa
    from fastconv._config import openblas_kernel_note
    avx512 = _isa.LEVELS.index("avx512")
    haswell = {"internal_api": "openblas", "architecture": "Haswell"}
    assert "OPENBLAS_CORETYPE=SKYLAKEX" in openblas_kernel_note(haswell, avx512)
    assert openblas_kernel_note(haswell, avx512 - 1) is None            # an AVX2 CPU
    assert openblas_kernel_note({"internal_api": "openblas", "architecture": "SkylakeX"},
                                avx512) is None
    assert openblas_kernel_note({"internal_api": "mkl"}, avx512) is None
    assert openblas_kernel_note({"internal_api": "openblas"}, avx512) is None
