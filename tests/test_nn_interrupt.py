"""Ctrl-C stops a long fastconv.nn call (issue 8: every op, every method).

A subprocess starts a call of several seconds, sends itself SIGINT after
0.5 s and must get KeyboardInterrupt within 0.5 s of it, then stay usable.
The direct kernels ask the interrupt callback between work units (output
rows, bands of rows, channel pairs or blocks), im2col between its GEMM
units, Winograd between its tile blocks (csrc/fastconv.h).
"""
import os
import subprocess
import sys
import textwrap

import pytest

from fastconv import _isa

pytestmark = pytest.mark.skipif(sys.platform == "win32", reason="SIGINT to self")

_SCRIPT = textwrap.dedent("""
    import os, signal, threading, time
    import numpy as np
    from fastconv import nn
    rng = np.random.default_rng(0)
    x = rng.standard_normal(({n}, {c}, {hw}, {hw})).astype(np.{dtype})
    w = rng.standard_normal(({c}, {c} // {groups}, {k}, {k})).astype(np.{dtype})
    g = rng.standard_normal(({n}, {c}, {hw}, {hw})).astype(np.{dtype})
    def fire():
        time.sleep(0.5)
        globals()["sent"] = time.perf_counter()
        os.kill(os.getpid(), signal.SIGINT)
    threading.Thread(target=fire).start()
    try:
        nn.{call}
        print("FINISHED")
    except KeyboardInterrupt:
        print("INTERRUPTED", time.perf_counter() - sent)
    small = nn.conv2d(np.ones((1, 1, 3, 3)), np.ones((1, 1, 2, 2)))
    print(small.ravel().tolist())
""")


# a call of seconds at 2 threads on the fastest level: 11x11 kernels (many
# taps per output), or 3x3 float64 with 512 channels for Winograd
LAYER = dict(n=16, c=256, hw=64, k=11, groups=1, dtype="float32")
WINOGRAD_LAYER = dict(n=4, c=512, hw=96, k=3, groups=1, dtype="float64")
# depthwise: half a million 8x8 planes, each one work unit of the plane
# kernel (a few microseconds: the calling thread asks once per FC_POLL_MACS
# multiply-adds, not per unit); at the AVX2 level on one thread in float64,
# the slowest plane kernel, a call takes over a second
DEPTHWISE_LAYER = dict(n=256, c=2048, hw=8, k=15, groups=2048, dtype="float64")
# 1x1: the pointwise grad_weight kernel at AVX-512 (its runs of positions
# are its units), the generic loops below; about 2 s on one thread
POINTWISE_LAYER = dict(n=16, c=1024, hw=64, k=1, groups=1, dtype="float64")


def _run(call, level, layer=LAYER):
    env = dict(os.environ, FASTCONV_ISA=level)
    script = _SCRIPT.format(call=call, **layer)
    done = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True,
                          timeout=300, env=env)
    lines = done.stdout.split("\n")
    assert lines[0].startswith("INTERRUPTED"), done.stdout + done.stderr
    assert float(lines[0].split()[1]) < 0.5, lines[0]
    assert lines[1] == "[4.0, 4.0, 4.0, 4.0]"


TOP = _isa.available()[-1]


@pytest.mark.parametrize("call", [
    "conv2d(x, w, padding=5, method='direct', threads=2)",
    "conv2d_backward(g, x, w, padding=5, method='direct', threads=2, "
    "output_mask=(False, True, False))",
])
def test_ctrl_c_stops_the_direct_kernels(call):
    _run(call, TOP)


@pytest.mark.skipif("avx2" not in _isa.available(), reason="no AVX2 plane kernel")
@pytest.mark.parametrize("call", [
    "conv2d(x, w, padding=7, groups=2048, method='direct', threads=1)",
    "conv2d_backward(g, x, w, padding=7, groups=2048, method='direct', threads=1, "
    "output_mask=(True, False, False))",
])
def test_ctrl_c_stops_the_depthwise_plane_kernel(call):
    _run(call, "avx2", DEPTHWISE_LAYER)


@pytest.mark.slow
def test_ctrl_c_stops_the_pointwise_grad_weight():
    _run("conv2d_backward(g, x, w, method='direct', threads=1, "
         "output_mask=(False, True, False))", TOP, POINTWISE_LAYER)


@pytest.mark.slow
@pytest.mark.parametrize("call, layer", [
    ("conv2d(x, w, padding=5, method='direct', threads={t})", LAYER),
    ("conv2d_backward(g, x, w, padding=5, method='direct', threads={t}, "
     "output_mask=(True, False, False))", LAYER),
    ("conv2d_backward(g, x, w, padding=5, method='direct', threads={t}, "
     "output_mask=(False, True, False))", LAYER),
    ("conv2d(x, w, padding=5, method='im2col', threads={t})", LAYER),
    ("conv2d_backward(g, x, w, padding=5, method='im2col', threads={t})", LAYER),
    ("conv2d(x, w, padding=1, method='winograd', threads={t})", WINOGRAD_LAYER),
    ("conv2d_backward(g, x, w, padding=1, method='winograd', threads={t}, "
     "output_mask=(True, False, False))", WINOGRAD_LAYER),
])
@pytest.mark.parametrize("threads", [1, 2])
@pytest.mark.parametrize("level", _isa.available())
def test_ctrl_c_every_nn_op(call, layer, threads, level):
    if "winograd" in call and level != TOP:
        pytest.skip("Winograd's speed does not depend on the level")
    _run(call.format(t=threads), level, layer)
