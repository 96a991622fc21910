"""
The speed: fastconv against NumPy, SciPy, OpenCV and PyTorch
============================================================

``python -m fastconv.bench --json PATH`` times fastconv's methods and the
functions a NumPy user would call instead, checks every result, and saves
every sample with a description of the machine.  This example plots the runs
saved in ``bench/results/`` of the repository: for each case, how many times
faster (or slower) fastconv's ``'auto'`` is than each other library.

The saved runs were measured on a 2-vCPU AMD EPYC virtual machine (Zen3,
AVX2+FMA) shared with other jobs, one thread per library; timings are noisy,
and a run on your machine (``python -m fastconv.bench``) says more about it.
"""
import json
import pathlib

import matplotlib.pyplot as plt
import numpy as np

try:
    HERE = pathlib.Path(__file__).resolve().parent
except NameError:                                        # run interactively
    HERE = pathlib.Path.cwd()
RESULTS = HERE.parent / "bench" / "results"


def speedups(record):
    """{case name: {anchor: anchor time / fastconv 'auto' time}}, correct results only."""
    out = {}
    for case in record["cases"]:
        by_name = {e["name"]: e for e in case["contenders"]}
        auto = next((e for e in case["contenders"] if e["is_fastconv"] and e["method"] == "auto"), None)
        if auto is None or auto["status"] != "ok":
            continue
        t_auto = auto["timing"]["median_s"]
        out[case["name"]] = {
            name: e["timing"]["median_s"] / t_auto for name, e in by_name.items()
            if not e["is_fastconv"] and e["status"] == "ok" and (e.get("check") or {}).get("ok", True)}
    return out


def plot_run(path, title):
    record = json.loads(path.read_text())
    data = speedups(record)
    anchors = sorted({a for per_case in data.values() for a in per_case})
    cases = list(data)
    fig, ax = plt.subplots(figsize=(9, 0.32 * len(cases) + 1.6))
    height = 0.8 / max(len(anchors), 1)
    for i, anchor in enumerate(anchors):
        ys = [j + (i - (len(anchors) - 1) / 2) * height for j in range(len(cases))]
        xs = [data[c].get(anchor, np.nan) for c in cases]
        ax.barh(ys, xs, height=height, label=anchor)
    ax.axvline(1.0, color="black", lw=0.8)
    ax.set_xscale("log")
    ax.set_yticks(range(len(cases)), cases, fontsize=6)
    ax.invert_yaxis()
    ax.set_xlabel("other library's time / fastconv 'auto' time   (> 1: fastconv faster)")
    m = record["machine"]
    ax.set_title(f"{title}: {m['cpu_model']}, {m['threads']['requested']} thread(s), {m['date'][:10]}",
                 fontsize=9)
    ax.legend(fontsize=7, loc="lower right")
    fig.tight_layout()
    return data


# %%
# The signal and image functions
# ------------------------------
# 1-D against :func:`numpy.convolve`, :func:`scipy.signal.convolve` and
# :func:`scipy.signal.oaconvolve`; 2-D ``'same'`` against
# :func:`scipy.signal.convolve2d`, :func:`scipy.signal.convolve`,
# :func:`scipy.ndimage.convolve` and OpenCV's ``cv2.filter2D``.

signal_runs = sorted(RESULTS.glob("signal-1thread-*.json"))
if signal_runs:
    data = plot_run(signal_runs[-1], "signal functions")
    wins = sum(all(r > 1 for r in per_case.values()) for per_case in data.values())
    print(f"{signal_runs[-1].name}: fastconv faster than every other library in {wins} of {len(data)} cases")

# %%
# The CNN layers
# --------------
# :mod:`fastconv.nn` against PyTorch's ``torch.nn.functional.conv2d`` /
# ``conv1d`` and ``torch.nn.grad``, forward, ``grad_input`` and
# ``grad_weight``.

cnn_runs = sorted(RESULTS.glob("cnn-1thread-*.json"))
if cnn_runs:
    data = plot_run(cnn_runs[-1], "CNN layers")
    ratios = [r for per_case in data.values() for r in per_case.values()]
    print(f"{cnn_runs[-1].name}: median torch time / fastconv time {np.median(ratios):.2f}")

plt.show()
